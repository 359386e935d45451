// Network-namespace Pods for the demo and e2e tests.
