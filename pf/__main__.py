from pf.cli import main

main()
