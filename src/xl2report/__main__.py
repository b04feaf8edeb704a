from xl2report.cli import main

main()
