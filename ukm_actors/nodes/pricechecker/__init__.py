"""nodes/pricechecker"""
