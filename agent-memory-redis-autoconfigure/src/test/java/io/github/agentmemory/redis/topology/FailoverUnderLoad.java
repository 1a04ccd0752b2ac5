package io.github.agentmemory.redis.topology;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.test.WriteLoad;

import static org.awaitility.Awaitility.await;

/**
 * A failover brought about under a write load, as the Sentinel and Cluster tests do it:
 * a {@link WriteLoad} on {@code load:} keys (four writes every 5ms, 30,000 at most) is
 * started; once 400 writes are acknowledged the failover begins; once it is complete and
 * 400 of the writes issued since it began are acknowledged too, the load is stopped (also
 * when the failover fails) and every write is awaited settled.
 *
 * @param load the load, stopped, with every write settled
 * @param from the port of the master the failover moved away from
 * @param to the port of the master that took its place
 */
record FailoverUnderLoad(WriteLoad load, int from, int to) {

	/**
	 * Bring about a failover under a write load.
	 * @param template the template to write through
	 * @param patience how long each wait may take
	 * @param failover begins the failover
	 * @return the settled load and the masters before and after
	 */
	static FailoverUnderLoad run(AsyncResilientRedisTemplate template, Duration patience, Failover failover) {
		WriteLoad load = WriteLoad.start(template, "load:", 4, Duration.ofMillis(5), 30_000, patience);
		Begun begun;
		int to;
		try {
			await().atMost(patience).until(() -> load.acknowledgedCount() >= 400);
			begun = failover.begin();
			int issuedAtStart = load.issuedCount();
			to = begun.awaitNewMaster().getAsInt();
			// the load goes on: writes issued after the failover are acknowledged too
			await().atMost(patience)
				.until(() -> load.snapshot()
					.stream()
					.skip(issuedAtStart)
					.filter(WriteLoad.Issued::acknowledged)
					.count() >= 400);
		}
		finally {
			load.stop();
		}
		await().atMost(patience).until(load::isSettled);
		return new FailoverUnderLoad(load, begun.from(), to);
	}

	/**
	 * The acknowledged writes that are not stored with their value.
	 * @param stored the keys and values Redis holds
	 * @return the keys of the lost writes
	 */
	List<String> lost(Map<String, String> stored) {
		List<String> lost = new ArrayList<>();
		this.load.acknowledged().forEach((key, value) -> {
			if (!value.equals(stored.get(key))) {
				lost.add(key);
			}
		});
		return lost;
	}

	/**
	 * How a test brings about a failover.
	 */
	@FunctionalInterface
	interface Failover {

		/**
		 * Begin the failover: the writes issued after this returns are those issued
		 * during the failover.
		 * @return the failover begun
		 */
		Begun begin();

	}

	/**
	 * A failover begun.
	 *
	 * @param from the port of the master it moves away from
	 * @param awaitNewMaster waits until the failover is complete and gives the port of
	 * the new master
	 */
	record Begun(int from, IntSupplier awaitNewMaster) {

	}

}
