#!/bin/sh
# Fix one repository, run in its root by a fleet tool (multi-gitter `run`, turbolift `foreach`) or
# any loop over checkouts: writes the fixes in place (the tool commits them and opens the pull
# request), and saves, outside the repository, what dockerfix saw and the pull-request body:
#   $DOCKERFIX_OUT/OWNER/NAME.json  every Dockerfile's report (--format json), written before the fix
#   $DOCKERFIX_OUT/OWNER/NAME.md    the Markdown pull-request body (--format markdown)
# OWNER/NAME is $REPOSITORY (multi-gitter sets it), else the last two folders of the checkout
# (turbolift's work/OWNER/NAME). DOCKERFIX_ARGS adds options (e.g. "--numeric-user"); DOCKERFIX is
# the command (default: dockerfix). DOCKERFIX_VERIFY: "auto" (default) writes with --verify when a
# container engine is there (docker answering, podman or buildah): only fixes whose image builds,
# starts and writes what the original wrote; "true" always; "false" never. A refuted fix is left
# alone and listed in the body, which is not a failure.
# Exit status: 0 when the repository was fixed or had nothing to fix; 2 when a Dockerfile could not
# be read or parsed (the others are still fixed; multi-gitter then opens no pull request for the
# repository, turbolift lists it under --failed), anything else from dockerfix as it came.
set -u
out=${DOCKERFIX_OUT:?set DOCKERFIX_OUT to a folder outside the repositories}
repo=${REPOSITORY:-$(basename "$(dirname "$PWD")")/$(basename "$PWD")}
mkdir -p "$out/$(dirname "$repo")" || exit 2
# shellcheck disable=SC2086  # DOCKERFIX and DOCKERFIX_ARGS are word lists
${DOCKERFIX:-dockerfix} ${DOCKERFIX_ARGS:-} --format json . > "$out/$repo.json"
verify=
case ${DOCKERFIX_VERIFY:-auto} in
  true) verify=--verify ;;
  auto) if { command -v docker >/dev/null 2>&1 && docker version >/dev/null 2>&1; } ||
           command -v podman >/dev/null 2>&1 || command -v buildah >/dev/null 2>&1; then verify=--verify; fi ;;
esac
# shellcheck disable=SC2086
${DOCKERFIX:-dockerfix} ${DOCKERFIX_ARGS:-} $verify --write --format markdown . > "$out/$repo.md"
status=$?
if [ -n "$verify" ] && [ "$status" = 1 ]; then status=0; fi  # refuted: left alone, listed in the body
if [ -z "$verify" ]; then
  printf '\n**Not proven.** dockerfix did not build or run the images (no container engine, or DOCKERFIX_VERIFY=false).\n' >> "$out/$repo.md"
fi
exit "$status"
