"""Panorama's Streamlit dashboard (`panorama dashboard`): pages over cached warehouse queries."""
