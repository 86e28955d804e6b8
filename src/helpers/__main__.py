from helpers.cli import guard_process_tree, main

guard_process_tree()
raise SystemExit(main())
