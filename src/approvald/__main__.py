import sys

from approvald.cli import main

sys.exit(main())
