"""What the image runs on: Windows images never get POSIX shell."""
