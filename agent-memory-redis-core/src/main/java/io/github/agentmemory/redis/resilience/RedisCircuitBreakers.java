package io.github.agentmemory.redis.resilience;

import java.time.Duration;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;

import org.springframework.util.Assert;

/**
 * Builds the circuit breaker configuration of the spec: the circuit opens after a number
 * of consecutive failures, rejects calls while open, lets a bounded number of probe
 * calls through once the wait is over, closes when they succeed and opens again when
 * one fails. Time is measured with a {@link MonotonicClock}.
 * <p>
 * A half-open circuit whose probes have not all reported back within
 * {@code waitDurationInOpenState} opens again
 * ({@link CircuitBreakerConfig#getMaxWaitDurationInHalfOpenState()}): a probe whose
 * permit is lost (its caller neither recorded an outcome nor released the permit) would
 * otherwise keep the circuit half-open, rejecting every call, for good. The bound is the
 * open-state wait rather than a fixed value because that is the one duration the
 * application already chose for "how long to leave Redis alone": with the default 300 s
 * it is far longer than any probe bounded by a command timeout, and a short open state
 * chosen for fast recovery also shortens the time a lost probe can block. A probe that
 * outlives it is not lost either: the circuit opens and lets a new probe through after
 * another wait.
 *
 * @author agent-memory-redis
 */
public final class RedisCircuitBreakers {

	/** Name of the circuit breaker instance, also in Resilience4j's registry. */
	public static final String NAME = "agent-memory-redis";

	private RedisCircuitBreakers() {
	}

	/**
	 * Build a configuration. A count-based window as long as the threshold and a failure
	 * rate threshold of 100 % open the circuit exactly after that many consecutive
	 * failures. A half-open circuit opens again when its probes have not all reported
	 * back within {@code waitDurationInOpenState}.
	 * @param failureThreshold consecutive failures that open the circuit, at least 1
	 * @param waitDurationInOpenState time the circuit stays open, at least 1 ms
	 * @param permittedCallsInHalfOpenState probe calls once the wait is over, at least 1
	 * @return the configuration
	 */
	public static CircuitBreakerConfig config(int failureThreshold, Duration waitDurationInOpenState,
			int permittedCallsInHalfOpenState) {
		Assert.isTrue(failureThreshold >= 1, () -> "'failureThreshold' must be at least 1, was " + failureThreshold);
		Assert.notNull(waitDurationInOpenState, "'waitDurationInOpenState' must not be null");
		Assert.isTrue(waitDurationInOpenState.toMillis() >= 1,
				() -> "'waitDurationInOpenState' must be at least 1ms, was " + waitDurationInOpenState);
		Assert.isTrue(permittedCallsInHalfOpenState >= 1,
				() -> "'permittedCallsInHalfOpenState' must be at least 1, was " + permittedCallsInHalfOpenState);
		return CircuitBreakerConfig.custom()
			.slidingWindow(failureThreshold, failureThreshold, SlidingWindowType.COUNT_BASED)
			.failureRateThreshold(100)
			.waitDurationInOpenState(waitDurationInOpenState)
			.permittedNumberOfCallsInHalfOpenState(permittedCallsInHalfOpenState)
			.maxWaitDurationInHalfOpenState(waitDurationInOpenState)
			.automaticTransitionFromOpenToHalfOpenEnabled(false)
			.writableStackTraceEnabled(false)
			.clock(MonotonicClock.get())
			.build();
	}

}
