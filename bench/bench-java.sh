# Sourced by the bench scripts (with $threads set): builds the bench module once, caches its classpath
# beside the module's classes (redone when a pom changes), and sets java_cmd to a JVM command line
# with the flags DJL and Arrow need and $threads libtorch threads.
# Build once; the classpath is cached beside the module's classes and redone when a pom changes.
classpath_file=bench/target/classpath.txt
goals=(package)
if [[ ! -s $classpath_file || pom.xml -nt $classpath_file || bench/pom.xml -nt $classpath_file ]]; then
  goals+=(dependency:build-classpath -Dmdep.outputFile=target/classpath.txt)
fi
echo "== building bench (mvn ${goals[0]})"
mvn -B -q -o -pl bench -am "${goals[@]}" -DskipTests
cp="bench/target/classes:$(cat "$classpath_file")"

export DJL_OFFLINE=true OPT_OUT_TRACKING=true MKL_CBWR=AUTO,STRICT
export DJL_CACHE_DIR=${DJL_CACHE_DIR:-$HOME/.cache/spindle/djl}
java_cmd=(java --add-opens=java.base/java.nio=ALL-UNNAMED -Dai.djl.offline=true
  -Dai.djl.pytorch.num_threads="$threads" -Dai.djl.pytorch.num_interop_threads=1 -cp "$cp")
