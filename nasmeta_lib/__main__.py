from nasmeta_lib.cli import main

raise SystemExit(main())
