package io.github.agentmemory.redis.autoconfigure;

import io.github.agentmemory.redis.resilience.RedisCircuitBreakers;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.core.log.LogMessage;
import org.springframework.lang.Nullable;
import org.springframework.util.Assert;

/**
 * Builds the template's circuit breaker, named {@value RedisCircuitBreakers#NAME}.
 * <p>
 * Its configuration starts from {@code agent-memory.redis.circuit-breaker.*}
 * ({@link RedisCircuitBreakers#config}); with Resilience4j's Spring Boot module,
 * {@code resilience4j.circuitbreaker.configs.*} and
 * {@code resilience4j.circuitbreaker.instances.agent-memory-redis.*} then override the
 * keys they set, and the customizers named for those configs and the instance apply
 * last ({@link Resilience4jCircuitBreakerLayers}).
 * <p>
 * With a {@link CircuitBreakerRegistry} the breaker is the registry's instance, so that
 * Resilience4j's endpoints, events and meters see it. An instance that Resilience4j's
 * auto-configuration created at startup from the same properties is replaced
 * ({@link CircuitBreakerRegistry#replace}, which re-attaches the registry's event
 * consumers and meters to the new instance). An instance that the application
 * registered itself is used as it is.
 *
 * @author agent-memory-redis
 */
final class RedisCircuitBreakerFactory {

	private static final Log logger = LogFactory.getLog(RedisCircuitBreakerFactory.class);

	@Nullable
	private final CircuitBreakerRegistry registry;

	@Nullable
	private final Resilience4jCircuitBreakerLayers layers;

	/**
	 * Create a factory.
	 * @param registry the application's registry, if any
	 * @param layers the layers of Resilience4j's Spring Boot properties, or {@code null}
	 * without that module
	 */
	RedisCircuitBreakerFactory(@Nullable CircuitBreakerRegistry registry,
			@Nullable Resilience4jCircuitBreakerLayers layers) {
		this.registry = registry;
		this.layers = layers;
	}

	/**
	 * Create the circuit breaker, or take it from the registry.
	 * @param properties the starter's circuit breaker properties, the base of the
	 * configuration
	 * @return the circuit breaker
	 */
	CircuitBreaker createCircuitBreaker(AgentMemoryRedisProperties.CircuitBreaker properties) {
		Assert.notNull(properties, "'properties' must not be null");
		CircuitBreakerConfig config = RedisCircuitBreakers.config(properties.getFailureThreshold(),
				properties.getWaitDurationInOpenState(), properties.getPermittedCallsInHalfOpenState());
		if (this.layers != null) {
			config = this.layers.applyTo(config);
		}
		return register(RedisCircuitBreakers.NAME, config, this.layers != null && this.layers.createInstance());
	}

	/**
	 * Create the circuit breaker of one Redis Cluster master, or take it from the
	 * registry: the cluster's configuration, changed by
	 * {@code resilience4j.circuitbreaker.instances.<name>.*} and the customizer named for
	 * it, if any.
	 * @param cluster the cluster's breaker
	 * @param name the master's breaker's name
	 * @return the circuit breaker
	 */
	CircuitBreaker createMasterCircuitBreaker(CircuitBreaker cluster, String name) {
		Assert.notNull(cluster, "'cluster' must not be null");
		Assert.hasText(name, "'name' must not be empty");
		CircuitBreakerConfig config = cluster.getCircuitBreakerConfig();
		if (this.layers != null) {
			config = this.layers.applyInstanceTo(name, config);
		}
		return register(name, config, this.layers != null && this.layers.createInstance(name));
	}

	private CircuitBreaker register(String name, CircuitBreakerConfig config, boolean createdByResilience4j) {
		if (this.registry == null) {
			return CircuitBreaker.of(name, config);
		}
		CircuitBreaker registered = this.registry.find(name).orElse(null);
		if (registered == null) {
			return this.registry.circuitBreaker(name, config);
		}
		if (!createdByResilience4j) {
			logger.debug(LogMessage.format("Using circuit breaker '%s' registered by the application", name));
			return registered;
		}
		CircuitBreaker breaker = CircuitBreaker.of(name, config, registered.getTags());
		this.registry.replace(name, breaker);
		logger.debug(LogMessage.format("Replaced circuit breaker '%s' created by Resilience4j with one based on "
				+ "agent-memory.redis.circuit-breaker.*", name));
		return breaker;
	}

}
