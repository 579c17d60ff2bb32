from licensedesk.cli.main import main

main()
