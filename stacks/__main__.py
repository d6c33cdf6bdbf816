"""The Pulumi program of this project (Pulumi.yaml `main: stacks/`): one spec per stack."""

from fluxform.program import main

main()
