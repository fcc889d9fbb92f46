"""Test helpers shared by all test modules (`loopback`: a scripted real HTTP server)."""
