"""What the image is for: images others build on, generated files, stages never run as a container."""
