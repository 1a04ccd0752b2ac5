package io.github.agentmemory.redis.benchmarks;

import java.util.function.BiConsumer;

/**
 * One client under test. {@link #call} sends one operation and reports its completion to
 * {@code done} (on whatever thread the client completes on); {@link #callBlocking} waits.
 */
interface BenchClient extends AutoCloseable {

	String name();

	default boolean async() {
		return true;
	}

	void call(Workload.Op op, int key, BiConsumer<Object, Throwable> done);

	default void callBlocking(Workload.Op op, int key) {
		throw new UnsupportedOperationException(name() + " is asynchronous");
	}

	@Override
	default void close() {
	}

}
