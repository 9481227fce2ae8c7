"""Pure rules: no I/O, no clock, no framework. Every function here is unit-tested."""
