"""nodes/integration"""
