// Envtest launcher and shared test fixtures (owned by the KubeClient work).
