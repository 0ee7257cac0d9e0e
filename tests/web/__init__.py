"""Tests of slant serve: the API and the pages, against a real server and browser."""
