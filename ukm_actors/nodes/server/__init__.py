"""nodes/server"""
