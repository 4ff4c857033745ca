"""VK Cloud (cloud.vk.com, formerly mcs.mail.ru): the shared OpenStack package with VK's Keystone, plus Trove
databases and Magnum Kubernetes clusters; costs estimated from a price list shipped as data (``prices/``)."""
