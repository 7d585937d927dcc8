"""nodes/till"""
