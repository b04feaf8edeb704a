from xl2report.cli.main import main

main()
