#!/bin/sh
# Fix one repository, run in its root by a fleet tool (multi-gitter `run`, turbolift `foreach`) or
# any loop over checkouts: writes the fixes in place (the tool commits them and opens the pull
# request), and saves, outside the repository, what dockerfix saw and the pull-request body:
#   $DOCKERFIX_OUT/OWNER/NAME.json  every Dockerfile's report (--format json), written before the fix
#   $DOCKERFIX_OUT/OWNER/NAME.md    the Markdown pull-request body (--format markdown)
# OWNER/NAME is $REPOSITORY (multi-gitter sets it), else the last two folders of the checkout
# (turbolift's work/OWNER/NAME). DOCKERFIX_ARGS adds options (e.g. "--numeric-user"); DOCKERFIX is
# the command (default: dockerfix).
# Exit status: 0 when the repository was fixed or had nothing to fix; 2 when a Dockerfile could not
# be read or parsed (the others are still fixed; multi-gitter then opens no pull request for the
# repository, turbolift lists it under --failed), anything else from dockerfix as it came.
set -u
out=${DOCKERFIX_OUT:?set DOCKERFIX_OUT to a folder outside the repositories}
repo=${REPOSITORY:-$(basename "$(dirname "$PWD")")/$(basename "$PWD")}
mkdir -p "$out/$(dirname "$repo")" || exit 2
# shellcheck disable=SC2086  # DOCKERFIX and DOCKERFIX_ARGS are word lists
${DOCKERFIX:-dockerfix} ${DOCKERFIX_ARGS:-} --format json . > "$out/$repo.json"
${DOCKERFIX:-dockerfix} ${DOCKERFIX_ARGS:-} --write --format markdown . > "$out/$repo.md"
