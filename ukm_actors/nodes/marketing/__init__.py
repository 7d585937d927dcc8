"""nodes/marketing"""
