package dev.aegis.canary.it;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/** Samples a value every 20 ms and keeps each change, in order. */
final class Changes<T> implements AutoCloseable {

    private final List<T> seen = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    Changes(Supplier<T> sample) {
        thread = new Thread(() -> {
            while (running.get()) {
                T now = sample.get();
                synchronized (seen) {
                    if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(now)) {
                        seen.add(now);
                    }
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        thread.setDaemon(true);
        thread.start();
    }

    List<T> seen() {
        synchronized (seen) {
            return List.copyOf(seen);
        }
    }

    @Override
    public void close() {
        running.set(false);
    }
}
