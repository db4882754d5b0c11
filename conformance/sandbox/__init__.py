"""Provider doubles: stateful local stand-ins for the providers' sandboxes, with fault injection."""
