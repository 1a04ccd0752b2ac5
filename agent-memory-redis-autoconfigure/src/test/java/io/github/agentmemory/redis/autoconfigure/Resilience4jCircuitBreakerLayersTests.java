package io.github.agentmemory.redis.autoconfigure;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.github.resilience4j.common.CompositeCustomizer;
import io.github.resilience4j.common.circuitbreaker.configuration.CommonCircuitBreakerConfigurationProperties;
import io.github.resilience4j.common.circuitbreaker.configuration.CommonCircuitBreakerConfigurationProperties.InstanceProperties;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link Resilience4jCircuitBreakerLayers}: on Resilience4j's own defaults it
 * must read every key exactly as Resilience4j does.
 */
class Resilience4jCircuitBreakerLayersTests {

	private static final String NAME = "agent-memory-redis";

	@Test
	void onResilience4jDefaultsTheLayersGiveResilience4jsConfig() {
		CommonCircuitBreakerConfigurationProperties properties = new CommonCircuitBreakerConfigurationProperties();
		properties.getConfigs()
			.put("default", new InstanceProperties().setSlowCallRateThreshold(70f)
				.setRecordExceptions(new Class[] { IOException.class })
				.setWaitDurationInOpenState(Duration.ofSeconds(5))
				.setEnableExponentialBackoff(true)
				.setExponentialBackoffMultiplier(3.0));
		InstanceProperties instance = new InstanceProperties().setFailureRateThreshold(60f)
			.setSlowCallDurationThreshold(Duration.ofSeconds(2))
			.setMaxWaitDurationInHalfOpenState(Duration.ofSeconds(7))
			.setSlidingWindowSize(12)
			.setMinimumNumberOfCalls(6)
			.setSlidingWindowType(SlidingWindowType.TIME_BASED)
			.setPermittedNumberOfCallsInHalfOpenState(4)
			.setAutomaticTransitionFromOpenToHalfOpenEnabled(true)
			.setWritableStackTraceEnabled(false)
			.setIgnoreExceptions(new Class[] { TimeoutException.class })
			.setRecordFailurePredicate(predicate(RecordIllegalState.class))
			.setInitialState(State.CLOSED);
		instance.setTransitionToStateAfterWaitDuration(State.CLOSED);
		properties.getInstances().put(NAME, instance);
		CircuitBreakerConfig expected = properties.createCircuitBreakerConfig(NAME, instance,
				new CompositeCustomizer<>(List.of()));
		CircuitBreakerConfig actual = new Resilience4jCircuitBreakerLayers(NAME, properties, List.of())
			.applyTo(CircuitBreakerConfig.ofDefaults());
		assertThat(actual).usingRecursiveComparison()
			.ignoringFields("waitIntervalFunctionInOpenState", "recordExceptionPredicate", "ignoreExceptionPredicate",
					"recordResultPredicate", "currentTimestampFunction", "transitionOnResult")
			.isEqualTo(expected);
		assertThat(actual.getWaitIntervalFunctionInOpenState().apply(3))
			.isEqualTo(expected.getWaitIntervalFunctionInOpenState().apply(3))
			.isEqualTo(45_000L);
		for (Throwable error : List.of(new IOException(), new IllegalStateException(), new TimeoutException(),
				new IllegalArgumentException())) {
			assertThat(actual.getRecordExceptionPredicate().test(error)).as(error.toString())
				.isEqualTo(expected.getRecordExceptionPredicate().test(error));
			assertThat(actual.getIgnoreExceptionPredicate().test(error)).as(error.toString())
				.isEqualTo(expected.getIgnoreExceptionPredicate().test(error));
		}
	}

	@Test
	void keysThatNoLayerSetsKeepTheBasesValues() {
		CommonCircuitBreakerConfigurationProperties properties = new CommonCircuitBreakerConfigurationProperties();
		properties.getInstances().put(NAME, new InstanceProperties().setFailureRateThreshold(60f));
		CircuitBreakerConfig base = CircuitBreakerConfig.custom()
			.slidingWindow(3, 3, SlidingWindowType.COUNT_BASED)
			.failureRateThreshold(100)
			.waitDurationInOpenState(Duration.ofSeconds(300))
			.build();
		CircuitBreakerConfig config = new Resilience4jCircuitBreakerLayers(NAME, properties, List.of()).applyTo(base);
		assertThat(config.getFailureRateThreshold()).isEqualTo(60);
		assertThat(config.getSlidingWindowSize()).isEqualTo(3);
		assertThat(config.getWaitIntervalFunctionInOpenState().apply(1)).isEqualTo(300_000L);
	}

	@SuppressWarnings("unchecked")
	private static Class<Predicate<Throwable>> predicate(Class<? extends Predicate<Throwable>> type) {
		return (Class<Predicate<Throwable>>) type;
	}

	public static class RecordIllegalState implements Predicate<Throwable> {

		@Override
		public boolean test(Throwable error) {
			return error instanceof IllegalStateException;
		}

	}

}
