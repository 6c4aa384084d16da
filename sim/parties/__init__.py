"""OCPI parties: each is an OCPI server (a Router of handlers) plus an OCPI client per connection."""
