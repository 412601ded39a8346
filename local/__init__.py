"""The local stack: template.yaml brought up on moto, in one process, on loopback."""
