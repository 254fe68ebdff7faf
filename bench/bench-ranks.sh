# Sourced by the benchmarks that start ranks over the data plane (run-allreduce-bench.sh,
# run-mesh-bench.sh): a scratch folder removed on exit, a job secret in it, and free loopback ports.
# Needs: $python; sets: stamp, out (unless given), scratch, secret_file.

# bench_scratch NAME: results go to runs/NAME/results-<UTC time>.md unless --out gave a file.
bench_scratch() {
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  out=${out:-runs/$1/results-$stamp.md}
  mkdir -p "$(dirname "$out")"
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/spindle-$1.XXXXXX")
  trap 'rm -rf "$scratch"' EXIT
  # A job secret as JobSecret.write makes it: 32 random bytes in hex, readable by the owner only.
  secret_file=$scratch/job.secret
  (umask 077; od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > "$secret_file"; echo >> "$secret_file")
}

free_port() {
  "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
