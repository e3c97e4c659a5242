import sys

from claimminer.cli import main

sys.exit(main())
