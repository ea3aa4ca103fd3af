"""What the image's program needs: programs that start as root on purpose or drop privileges."""
