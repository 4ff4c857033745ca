"""What every OpenStack cloud shares (Keystone, the service catalog, Nova, Cinder, Neutron): ``client`` and
``normalize``. Not a provider: Selectel uses it today, VK Cloud and other OpenStack clouds will."""
