import Prometheus

/// The coordinator's Prometheus metrics, served at `/metrics` when `--metrics` is given.
/// One registry per server (no global metrics system); the control service records its own
/// events through the same object.
public final class CoordinatorMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// Nodes in the registry, expired ones included.
    public let nodesRegistered: Gauge
    /// Nodes with a live session to the coordinator.
    public let nodesOnline: Gauge
    /// The live policy version (0 for the built-in empty policy).
    public let policyVersion: Gauge
    /// Signed netmaps sent to nodes.
    public let netmapsSent: Counter
    /// Completed Noise handshakes with nodes.
    public let handshakes: Counter

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        nodesRegistered = registry.makeGauge(descriptor: Self.name("nodes_registered",
                                             help: "Nodes in the registry, expired ones included."))
        nodesOnline = registry.makeGauge(descriptor: Self.name("nodes_online",
                                         help: "Nodes with a live session to the coordinator."))
        policyVersion = registry.makeGauge(descriptor: Self.name("policy_version",
                                           help: "The live policy version (0: the built-in empty policy)."))
        netmapsSent = registry.makeCounter(descriptor: Self.name("netmaps_sent", unit: "total",
                                           help: "Signed netmaps sent to nodes."))
        handshakes = registry.makeCounter(descriptor: Self.name("handshakes", unit: "total",
                                          help: "Completed Noise handshakes with nodes."))
        // Make the error series exist from the start, so rate() works on the first error.
        for kind in ErrorKind.allCases { _ = errorCounter(kind) }
    }

    /// Where an error happened, the `kind` label of `mcpmesh_coordinator_errors_total`.
    public enum ErrorKind: String, Sendable, CaseIterable {
        /// An admin request failed because of a server-side problem (not a refused request).
        case admin
        /// The control plane (sessions, registration, netmaps).
        case control
        /// The metrics endpoint.
        case metrics
    }

    /// Counts one admin request by command and result (`ok` or an error code).
    public func adminRequest(command: String, result: String) {
        registry.makeCounter(descriptor: Self.name("admin_requests", unit: "total",
                                                   help: "Admin socket requests, by command and result."),
                             labels: [("command", command), ("result", result)]).increment()
    }

    /// Counts one error.
    public func error(_ kind: ErrorKind) {
        errorCounter(kind).increment()
    }

    private func errorCounter(_ kind: ErrorKind) -> Counter {
        registry.makeCounter(descriptor: Self.name("errors", unit: "total", help: "Errors, by where they happened."),
                             labels: [("kind", kind.rawValue)])
    }

    /// `mcpmesh_coordinator_NAME[_UNIT]`.
    private static func name(_ name: String, unit: String = "", help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "mcpmesh", subsystem: "coordinator", metricName: name, unitName: unit, helpText: help)
    }

    /// The metrics in the Prometheus text format.
    public func render() -> String {
        registry.emitToString()
    }
}
