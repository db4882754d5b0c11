"""What the pages say a server does, as promises declared in the specs, and the probes that test them."""
