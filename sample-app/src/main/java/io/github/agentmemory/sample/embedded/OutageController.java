package io.github.agentmemory.sample.embedded;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Stops and starts the embedded Redis, to watch the starter ride out an outage. Only
 * present while the embedded Redis is in use.
 */
@RestController
@RequestMapping("/demo/redis")
@ConditionalOnBean(EmbeddedRedis.class)
class OutageController {

	private final EmbeddedRedis redis;

	OutageController(EmbeddedRedis redis) {
		this.redis = redis;
	}

	@PostMapping("/stop")
	Map<String, Object> stop() {
		this.redis.stop();
		return status("stopped");
	}

	@PostMapping("/start")
	Map<String, Object> start() {
		this.redis.start();
		return status("started");
	}

	private Map<String, Object> status(String state) {
		Map<String, Object> status = new LinkedHashMap<>();
		status.put("redis", state);
		status.put("port", this.redis.getPort());
		return status;
	}

}
