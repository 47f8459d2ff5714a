#!/usr/bin/env bash
# Builds the node's container image with the .NET SDK's container support: no Dockerfile, no
# Docker daemon. The image is written as an archive that `docker load` / `podman load` reads.
#
#   scripts/image.sh [OUTPUT]      default OUTPUT: .data/image/edgesync.tar.gz
#
# The SDK pulls the base image (mcr.microsoft.com/dotnet/aspnet:10.0) from its registry. Set
# EDGESYNC_BASE_IMAGE to take it from a mirror instead (e.g. registry.local/dotnet/aspnet:10.0).
# Repository, tags, user, ports and labels are in src/Silo/Silo.csproj (Label="Container").
set -euo pipefail

repo=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
output=${1:-$repo/.data/image/edgesync.tar.gz}
base=${EDGESYNC_BASE_IMAGE:-mcr.microsoft.com/dotnet/aspnet:10.0}
log() { printf 'image.sh: %s\n' "$*" >&2; }

# The registry of the base image, as the SDK will ask it: fail early, and say why.
registry=${base%%/*}
case $registry in *.*|*:*|localhost) ;; *) registry=docker.io ;; esac
[ "$registry" = docker.io ] && probe=https://registry-1.docker.io/v2/ || probe=https://$registry/v2/
if ! probe_error=$(curl -sS -o /dev/null --max-time 15 "$probe" 2>&1); then
    log "cannot reach the registry of the base image $base ($probe): $probe_error"
    log "the SDK needs it to build the image; on a machine without access to $registry set"
    log "EDGESYNC_BASE_IMAGE to a mirror it can reach, or build the image elsewhere"
    exit 1
fi

mkdir -p "$(dirname "$output")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
args=(-c Release -t:PublishContainer "-p:ContainerArchiveOutputPath=$output")
[ -n "${EDGESYNC_BASE_IMAGE:-}" ] && args+=("-p:ContainerBaseImage=$EDGESYNC_BASE_IMAGE")
log "publishing src/Silo as a container image (base $base)"
dotnet publish "$repo/src/Silo" "${args[@]}"
log "image archive: $output (load it with: docker load -i $output)"
