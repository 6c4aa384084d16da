"""How messages travel between parties: in-process delivery, recording, link conditions and faults."""
