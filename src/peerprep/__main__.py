"""`python -m peerprep` runs the command-line tool."""

from peerprep.cli import main

main()
