"""Speed-ups as decorators around ports: each wraps a port and is the same port, so a use
case reads the same with or without it; the composition root chooses them."""
