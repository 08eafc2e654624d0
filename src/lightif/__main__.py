from lightif.cli import main

raise SystemExit(main())
