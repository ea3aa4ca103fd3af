"""What the file's owners already said: `# dockerfix: ignore`, and other tools' "root on purpose"."""
