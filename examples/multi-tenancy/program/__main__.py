"""The Pulumi program of this example: the fluxform program, one spec per stack."""

from fluxform.program import main

main()
