// saascript-cri: lists, or stops and removes, every pod sandbox of a CRI runtime (our
// containerd), as the kubelet does when it tears a pod down: each container is stopped with a
// grace period, then the sandbox, whose network the runtime hands back to CNI. Debian packages
// no crictl; this is built from the Kubernetes source tree beside the kubelet, with its client.
//
//	saascript-cri unix:///path/to/containerd.sock pods|stop-all
package main

import (
	"fmt"
	"os"
	"sync"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1alpha2"
	"k8s.io/kubernetes/pkg/kubelet/cri/remote"
)

// The longest a container gets between SIGTERM and SIGKILL.
const gracePeriodSeconds = 30

func main() {
	if len(os.Args) != 3 || (os.Args[2] != "pods" && os.Args[2] != "stop-all") {
		fmt.Fprintln(os.Stderr, "usage: saascript-cri unix:///path/to/containerd.sock pods|stop-all")
		os.Exit(2)
	}
	runtime, err := remote.NewRemoteRuntimeService(os.Args[1], 2*time.Minute)
	check(err)
	pods, err := runtime.ListPodSandbox(nil)
	check(err)
	if os.Args[2] == "pods" {
		for _, pod := range pods {
			fmt.Printf("%.13s %s/%s %s\n", pod.Id, pod.Metadata.Namespace, pod.Metadata.Name, pod.State)
		}
		return
	}
	// Every pod at once: their grace periods overlap instead of adding up.
	var wg sync.WaitGroup
	failures := make(chan string, len(pods))
	for _, pod := range pods {
		wg.Add(1)
		go func(pod *runtimeapi.PodSandbox) {
			defer wg.Done()
			if err := remove(runtime, pod.Id); err != nil {
				failures <- fmt.Sprintf("pod %s/%s: %v", pod.Metadata.Namespace, pod.Metadata.Name, err)
			}
		}(pod)
	}
	wg.Wait()
	close(failures)
	status := 0
	for failure := range failures {
		fmt.Fprintln(os.Stderr, "saascript-cri:", failure)
		status = 1
	}
	os.Exit(status)
}

func remove(runtime interface {
	ListContainers(*runtimeapi.ContainerFilter) ([]*runtimeapi.Container, error)
	StopContainer(string, int64) error
	RemoveContainer(string) error
	StopPodSandbox(string) error
	RemovePodSandbox(string) error
}, id string) error {
	containers, err := runtime.ListContainers(&runtimeapi.ContainerFilter{PodSandboxId: id})
	if err != nil {
		return err
	}
	for _, c := range containers {
		if c.State == runtimeapi.ContainerState_CONTAINER_RUNNING {
			if err := runtime.StopContainer(c.Id, gracePeriodSeconds); err != nil {
				return err
			}
		}
		if err := runtime.RemoveContainer(c.Id); err != nil {
			return err
		}
	}
	if err := runtime.StopPodSandbox(id); err != nil {
		return err
	}
	return runtime.RemovePodSandbox(id)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "saascript-cri:", err)
		os.Exit(1)
	}
}
