package dev.spindle.collective;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** Ranks as threads for in-process group tests: runs one task per rank at once and collects the results in order. */
public final class RankThreads implements AutoCloseable {

    private final ExecutorService pool = Executors.newCachedThreadPool();

    /** Runs every task on its own thread and returns their results in order; a task's failure is rethrown. */
    public <T> List<T> all(List<Callable<T>> work) throws Exception {
        List<Future<T>> futures = new ArrayList<>();
        for (Callable<T> task : work) {
            futures.add(pool.submit(task));
        }
        List<T> results = new ArrayList<>();
        for (Future<T> future : futures) {
            results.add(future.get(60, TimeUnit.SECONDS));
        }
        return results;
    }

    /** Starts one task on its own thread. */
    public Future<?> submit(Runnable task) {
        return pool.submit(task);
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
