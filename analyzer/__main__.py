from sigcheck.cli import console_main

console_main()
