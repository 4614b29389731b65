package store

// Effective options: what a component runs with once its defaults are
// filled in, for whoever reports a deployment (system/deploy) and for
// checkers that must judge against the real figures, not restated ones.

// Effective returns o with every default filled in, or the error
// NewReplica would return.
func (o ReplicaOptions) Effective() (ReplicaOptions, error) {
	if o.Name == "" {
		o.Name = DefaultReplicaName
	}
	eo, err := o.Engine.withDefaults()
	if err != nil {
		return o, err
	}
	o.Engine = eo
	o.Cost = o.Cost.withDefaults()
	return o, nil
}

// Effective returns o with every default filled in, or the error
// NewCoordinator would return.
func (o CoordinatorOptions) Effective() (CoordinatorOptions, error) { return o.withDefaults() }

// Effective returns o with every default filled in, or the error
// NewDataService would return.
func (o DataServiceOptions) Effective() (DataServiceOptions, error) { return o.withDefaults() }
