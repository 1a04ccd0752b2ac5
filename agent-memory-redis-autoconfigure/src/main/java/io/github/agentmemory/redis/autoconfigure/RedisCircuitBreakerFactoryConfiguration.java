package io.github.agentmemory.redis.autoconfigure;

import io.github.agentmemory.redis.resilience.RedisCircuitBreakers;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.common.circuitbreaker.configuration.CircuitBreakerConfigCustomizer;
import io.github.resilience4j.common.circuitbreaker.configuration.CommonCircuitBreakerConfigurationProperties;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The {@link RedisCircuitBreakerFactory}, reading Resilience4j's
 * {@code resilience4j.circuitbreaker.*} properties and customizers when its Spring Boot
 * module is on the class path.
 *
 * @author agent-memory-redis
 */
@Configuration(proxyBeanMethods = false)
class RedisCircuitBreakerFactoryConfiguration {

	private static final String RESILIENCE4J_PROPERTIES = "io.github.resilience4j.common.circuitbreaker.configuration."
			+ "CommonCircuitBreakerConfigurationProperties";

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = RESILIENCE4J_PROPERTIES)
	static class Resilience4jPropertiesConfiguration {

		@Bean
		RedisCircuitBreakerFactory agentMemoryRedisCircuitBreakerFactory(
				ObjectProvider<CircuitBreakerRegistry> circuitBreakerRegistry,
				ObjectProvider<CommonCircuitBreakerConfigurationProperties> circuitBreakerProperties,
				ObjectProvider<CircuitBreakerConfigCustomizer> circuitBreakerConfigCustomizers) {
			CommonCircuitBreakerConfigurationProperties properties = circuitBreakerProperties
				.getIfAvailable(CommonCircuitBreakerConfigurationProperties::new);
			return new RedisCircuitBreakerFactory(circuitBreakerRegistry.getIfAvailable(),
					new Resilience4jCircuitBreakerLayers(RedisCircuitBreakers.NAME, properties,
							circuitBreakerConfigCustomizers.orderedStream().toList()));
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnMissingClass(RESILIENCE4J_PROPERTIES)
	static class CircuitBreakerOnlyConfiguration {

		@Bean
		RedisCircuitBreakerFactory agentMemoryRedisCircuitBreakerFactory(
				ObjectProvider<CircuitBreakerRegistry> circuitBreakerRegistry) {
			return new RedisCircuitBreakerFactory(circuitBreakerRegistry.getIfAvailable(), null);
		}

	}

}
