"""claim-without-fs-group: a Kubernetes manifest gives the program a persistent volume it could not write as a new user.

A Deployment, StatefulSet, Job or Pod of the repository runs this image with a persistent volume
claim (a pod volume's `persistentVolumeClaim`, or a StatefulSet's `volumeClaimTemplates`) mounted
writable, and its pod sets neither `securityContext.fsGroup` nor a `runAsUser`: the program keeps
its data there, and most provisioners hand out a volume whose root folder belongs to root (mode
0755; an NFS share or Filestore as well). As root the program writes it; as a new user it cannot,
and a folder made in the image does not help, since the volume is mounted over it. The manifest
must change with the Dockerfile (`fsGroup: <the new gid>`, or an init container that chowns the
volume), so the file is left alone, naming the manifest's line. The same for a Helm chart whose
templates (read as text) mount a claim and whose values and templates set no `fsGroup`, unless
its values turn persistence off by default (`persistence: {enabled: false}`). A pod that sets `runAsUser: 0`
is deployment-needs-root's; one that already runs as another user made its own arrangements.
"""

from __future__ import annotations

from . import runs

NAME = "claim-without-fs-group"
SUMMARY = "A Kubernetes manifest mounts a persistent volume claim the program writes, with no fsGroup: the volume is root's, which a new user cannot write."
EXAMPLE = ("# k8s/app.yaml: volumeMounts: [{name: data, mountPath: /var/lib/app}]\n"
           "#   volumes: [{name: data, persistentVolumeClaim: {claimName: app-data}}], no securityContext")


def check(ctx) -> str | None:
    for r in runs(ctx):
        if r.kind not in ("kubernetes", "helm") or not r.claims or r.fs_group is not None or r.run_as_user is not None:
            continue
        claim, path = r.claims[0]
        return (f"{r.where} mounts the persistent volume claim {claim} at {path} with no fsGroup: the volume's folder "
                f"belongs to root, so the program could not write its data there as a new user; set "
                f"securityContext.fsGroup (the new user's gid) in the manifest with the change")
    return None
