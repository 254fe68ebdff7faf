#!/usr/bin/env bash
# Builds the trainer image's base file system offline, for Jib to lay under the application (the image
# starts FROM scratch: there is no base image to pull). Called by the launcher's `image` Maven profile:
#
#   rootfs.sh JDK OUT MODULES NATIVE...
#
#   JDK      a JDK 17 with jmods (Debian: /usr/lib/jvm/java-17-openjdk-amd64)
#   OUT      the folder to fill (emptied first); Jib copies it to / in the image
#   MODULES  the JDK modules the application needs, comma separated (jlink --add-modules)
#   NATIVE.. jars with native libraries the JVM loads at run time (DJL's libtorch and JNI jars), or folders
#            whose pytorch-*.jar are those (the launcher's target/lib): their
#            linux-x86_64 .so files are not copied (DJL extracts them itself), only inspected with ldd so
#            that the system libraries they link are in the image
#
# What OUT gets:
#   /opt/java                         the jlinked Java runtime
#   /lib/x86_64-linux-gnu/*.so*       every shared library the runtime and libtorch link (ldd), copied from
#   /lib64/ld-linux-x86-64.so.2       this machine (Debian 12 glibc), and the dynamic loader
#   /etc/passwd, /etc/group           root and nonroot (65532), the user the image runs as
#   /tmp, /scratch, /home/nonroot     empty folders (pods mount emptyDirs over /tmp and /scratch)
set -euo pipefail

if [ $# -lt 3 ]; then
  echo "usage: rootfs.sh JDK OUT MODULES [NATIVE...]" >&2
  exit 2
fi
jdk=$1 out=$2 modules=$3
shift 3

if [ ! -d "$jdk/jmods" ]; then
  echo "rootfs.sh: $jdk has no jmods; install openjdk-17-jmods or pass -Dspindle.image.jdk=<a JDK 17 with jmods>" >&2
  exit 1
fi

rm -rf "$out"
mkdir -p "$out"
"$jdk/bin/jlink" --module-path "$jdk/jmods" --add-modules "$modules" --strip-debug --no-header-files \
  --no-man-pages --compress=2 --output "$out/opt/java"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
jars=()
for native in "$@"; do
  if [ -d "$native" ]; then
    jars+=("$native"/pytorch-*.jar)
  else
    jars+=("$native")
  fi
done
if [ ${#jars[@]} -eq 0 ] || [ ! -f "${jars[0]}" ]; then
  echo "rootfs.sh: no DJL pytorch jars in $*; build the launcher (mvn package) first" >&2
  exit 1
fi
for jar in "${jars[@]}"; do
  unzip -q -o "$jar" 'pytorch/cpu/linux-x86_64/*' 'jnilib/linux-x86_64/cpu/*' -d "$scratch" 2>/dev/null || true
done

if [ -z "$(find "$scratch" -name '*.so*' -print -quit)" ]; then
  echo "rootfs.sh: no linux-x86_64 libtorch or JNI libraries in ${jars[*]}" >&2
  exit 1
fi

# The GUI parts of java.desktop (kept for java.beans) link X11 and friends; a headless trainer never loads them.
gui='libjawt|libawt_xawt|libsplashscreen|libjsound|libfontmanager|liblcms|libmlib_image|libjavajpeg|libawt\.so'
mapfile -t objects < <( { echo "$out/opt/java/bin/java"; find "$out/opt/java/lib" "$scratch" -name '*.so*' -type f; } \
  | grep -Ev "/($gui)[^/]*$")
search="$out/opt/java/lib:$out/opt/java/lib/server:$(find "$scratch" -name '*.so*' -printf '%h\n' | sort -u | paste -sd:)"

missing=$(for o in "${objects[@]}"; do LD_LIBRARY_PATH=$search ldd "$o" | grep 'not found' || true; done | sort -u)
if [ -n "$missing" ]; then
  echo "rootfs.sh: libraries not found on this machine:" >&2
  echo "$missing" >&2
  exit 1
fi
mkdir -p "$out/lib/x86_64-linux-gnu" "$out/lib64"
for o in "${objects[@]}"; do LD_LIBRARY_PATH=$search ldd "$o"; done \
  | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u \
  | while read -r lib; do
      case "$lib" in "$out"/*|"$scratch"/*) continue ;; esac
      cp -L "$lib" "$out/lib/x86_64-linux-gnu/$(basename "$lib")"
    done
cp -L /lib64/ld-linux-x86-64.so.2 "$out/lib64/ld-linux-x86-64.so.2"

mkdir -p "$out/etc" "$out/tmp" "$out/scratch" "$out/home/nonroot"
cat > "$out/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
PASSWD
cat > "$out/etc/group" <<'GROUP'
root:x:0:
nonroot:x:65532:
GROUP
# hosts: files first, then DNS (glibc 2.36 has both built in; no NSS modules to copy).
echo 'hosts: files dns' > "$out/etc/nsswitch.conf"

echo "rootfs.sh: $(du -sh "$out" | cut -f1) in $out ($(ls "$out/lib/x86_64-linux-gnu" | wc -l) system libraries)"
