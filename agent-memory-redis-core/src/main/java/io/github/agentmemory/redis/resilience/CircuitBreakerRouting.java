package io.github.agentmemory.redis.resilience;

import java.util.List;
import java.util.function.Consumer;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;

import org.springframework.util.Assert;

/**
 * Which circuit breaker guards a call: on standalone Redis and Sentinel the one breaker
 * of the deployment ({@link #single}); on Redis Cluster the breaker of the master that
 * serves the key's slot ({@link ClusterCircuitBreakers}), so that a dead master opens the
 * circuit of the keys it serves only.
 *
 * @author agent-memory-redis
 */
public interface CircuitBreakerRouting {

	/**
	 * The breaker of a key's calls.
	 * @param key the key, as sent
	 * @return the breaker
	 */
	CircuitBreaker forKey(byte[] key);

	/**
	 * The breaker of a key's calls.
	 * @param key the key, encoded in UTF-8 when sent
	 * @return the breaker
	 */
	CircuitBreaker forKey(String key);

	/**
	 * The breaker of calls without a key (or whose keys are not known here):
	 * {@code PING}, {@code SCAN}, {@code execute}; the single breaker, or on a cluster the
	 * breaker of the whole cluster.
	 * @return the breaker
	 */
	CircuitBreaker keyless();

	/**
	 * Every breaker so far: the keyless one first.
	 * @return the breakers
	 */
	List<CircuitBreaker> circuitBreakers();

	/**
	 * Call a consumer for every breaker now, and for every breaker created from now on,
	 * once each (before its first call). Used to listen to the breakers' events.
	 * @param consumer the consumer
	 */
	void forEach(Consumer<CircuitBreaker> consumer);

	/**
	 * Whether every call goes through one breaker.
	 * @return whether there is one breaker
	 */
	boolean isSingle();

	/**
	 * The calls of some keys are rejected by an open circuit: if the routing follows a
	 * topology, have it looked at again (the keys may be served elsewhere by now).
	 */
	default void circuitRejected() {
	}

	/**
	 * One breaker for every call.
	 * @param circuitBreaker the breaker
	 * @return the routing
	 */
	static CircuitBreakerRouting single(CircuitBreaker circuitBreaker) {
		Assert.notNull(circuitBreaker, "'circuitBreaker' must not be null");
		return new Single(circuitBreaker);
	}

	/**
	 * One breaker for every call.
	 *
	 * @param circuitBreaker the breaker
	 */
	record Single(CircuitBreaker circuitBreaker) implements CircuitBreakerRouting {

		@Override
		public CircuitBreaker forKey(byte[] key) {
			return this.circuitBreaker;
		}

		@Override
		public CircuitBreaker forKey(String key) {
			return this.circuitBreaker;
		}

		@Override
		public CircuitBreaker keyless() {
			return this.circuitBreaker;
		}

		@Override
		public List<CircuitBreaker> circuitBreakers() {
			return List.of(this.circuitBreaker);
		}

		@Override
		public void forEach(Consumer<CircuitBreaker> consumer) {
			consumer.accept(this.circuitBreaker);
		}

		@Override
		public boolean isSingle() {
			return true;
		}

	}

}
